"""Evidence attached to answers and to the conditions of an advice: content-addressed blobs
(SHA-256), their type decided from their content, and the attachment rows that name them."""
