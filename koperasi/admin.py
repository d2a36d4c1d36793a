from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from koperasi.models import Cooperative, Event, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_platform_staff", "is_staff", "is_active"]
    list_filter = ["is_platform_staff", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "phone", "language"]}),
        ("Access", {"fields": ["is_active", "is_platform_staff", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]


class RoleInline(admin.TabularInline):
    model = Role
    fk_name = "cooperative"
    extra = 0
    raw_id_fields = ["user", "granted_by"]


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "province", "status", "created_at"]
    list_filter = ["status", "type", "province"]
    search_fields = ["name", "legal_entity_number", "nik_koperasi"]
    raw_id_fields = ["created_by", "decided_by"]
    inlines = [RoleInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit log, read-only: the database refuses changes anyway (PostgreSQL trigger)."""

    list_display = ["created_at", "kind", "cooperative", "actor", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["cooperative", "actor"]
    search_fields = ["kind", "actor__email", "ip_address"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
