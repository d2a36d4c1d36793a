from django import template

from koperasi.money import format_rupiah

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    """`{{ 1250000|rupiah }}` renders `Rp 1.250.000`."""
    return format_rupiah(amount)
