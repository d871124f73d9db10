"""Widgets of the troubleshooter: fields, the step bar, the path picture, causes."""
