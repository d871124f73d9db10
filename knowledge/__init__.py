"""What mtls-doctor knows: observations, causes, fixes, snippets and error meanings."""
