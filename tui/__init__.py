"""The command line and the Textual troubleshooter."""
