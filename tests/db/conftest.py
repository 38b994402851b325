"""The fixture `migration_database_url` (a fresh database per backend) is in tests/conftest.py."""
