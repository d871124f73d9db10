"""The built-in lab: every scenario shows the cause it promises."""
