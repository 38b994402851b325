"""Homebase: a self-hosted REST service for user accounts, their tasks and their contacts."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("homebase")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
