"""HTML pages: thin views that call the services and render templates. They may use every
domain package; no domain package imports them."""
