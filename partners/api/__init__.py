"""The partners' JSON API under /api/v1/ (django-ninja): `api` is mounted in koperasi/urls.py."""

from partners.api.app import api

__all__ = ["api"]
