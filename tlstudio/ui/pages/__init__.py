"""See tlstudio/ui/__init__.py."""
