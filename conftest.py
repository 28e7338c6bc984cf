"""Loads the deepclaims plugin for every test under this root (claims and harness tests)."""
pytest_plugins = ["harness.plugin"]
