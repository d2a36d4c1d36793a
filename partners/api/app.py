"""The NinjaAPI instance; routers and authentication are added by the API feature."""

from ninja import NinjaAPI

api = NinjaAPI(title="Portal Koperasi partner API", version="1", urls_namespace="api")
