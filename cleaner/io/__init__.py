"""Reading inputs, writing outputs atomically, and the provenance log."""
