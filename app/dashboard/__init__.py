"""The dashboard for the committee and auditors: figures counted by the database (queries),
put into words and order (figures) and drawn as accessible SVG on the server (charts)."""
