"""One screen per step of the troubleshooter, plus the export dialog."""
