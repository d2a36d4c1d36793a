"""The API's documentation page at /api/v1/docs: rendered on the server from the OpenAPI schema.

django-ninja's Swagger/Redoc pages load their scripts from a CDN unless ninja is an installed
app, and run a large JavaScript bundle; this page is plain HTML (no script, no CDN), light on
a phone and fine under a Content Security Policy. The machine-readable schema stays at
/api/v1/openapi.json for tools (Swagger UI, code generators, schemathesis).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type_of(schema: dict[str, Any]) -> str:
    """A short human-readable type: `integer`, `string (date)`, `OfferOut`, `array of X`."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            kinds = [_type_of(s) for s in schema[key]]
            return " | ".join(dict.fromkeys(kinds))
    if "enum" in schema:
        return " | ".join(f'"{v}"' for v in schema["enum"])
    if "const" in schema:
        return f'"{schema["const"]}"'
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        return f"object of {_type_of(schema['additionalProperties'])}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _constraints(schema: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
    ):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    for option in schema.get("anyOf", []):
        if option.get("type") in ("integer", "number", "string"):
            extra = _constraints(option)
            if extra:
                parts.append(extra)
    if "default" in schema:
        parts.append(f"default {schema['default']!r}")
    return ", ".join(parts)


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": _type_of(prop),
            "required": name in required,
            "constraints": _constraints(prop),
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs, its hard line wraps undone."""
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def _json_schema(content: dict[str, Any]) -> dict[str, Any]:
    return content.get("application/json", {}).get("schema", {})


def docs_context(openapi: dict[str, Any]) -> dict[str, Any]:
    """What the page shows: the operations grouped by tag, and every schema's fields."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in openapi.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = _json_schema(operation.get("requestBody", {}).get("content", {}))
            entry = {
                "id": operation.get("operationId", f"{method}-{path}"),
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "paragraphs": _paragraphs(operation.get("description", "")),
                "parameters": [
                    {
                        "name": param["name"],
                        "in": param["in"],
                        "required": param.get("required", False),
                        "type": _type_of(param.get("schema", {})),
                        "constraints": _constraints(param.get("schema", {})),
                        "description": param.get("description", ""),
                    }
                    for param in operation.get("parameters", [])
                ],
                "body": _type_of(body) if body else "",
                "responses": [
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "type": _type_of(_json_schema(response.get("content", {}))),
                    }
                    for status, response in operation.get("responses", {}).items()
                ],
            }
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(entry)
    schemas = [
        {"name": name, "description": schema.get("description", ""), "fields": _fields(schema)}
        for name, schema in sorted(openapi.get("components", {}).get("schemas", {}).items())
    ]
    return {"groups": groups, "schemas": schemas, "info": openapi.get("info", {})}


class ServerRenderedDocs(DocsBase):
    """Plain HTML documentation generated from the schema (no JavaScript)."""

    template = "partners/token_api_docs.html"

    def render_page(self, request: HttpRequest, api, **kwargs: Any) -> HttpResponse:
        openapi = api.get_openapi_schema(path_params=kwargs)
        context = docs_context(openapi)
        context["openapi_url"] = reverse(f"{api.urls_namespace}:openapi-json", kwargs=kwargs)
        context["base_url"] = request.build_absolute_uri(api.get_root_path(kwargs))
        return render(request, self.template, context)
