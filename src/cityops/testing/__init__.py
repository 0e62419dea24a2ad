"""Test support shared by the suite (factories, personas, the pytest environment plugin)."""
