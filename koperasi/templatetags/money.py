from django import template

from koperasi.money import format_rupiah

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    """`{{ 1250000|rupiah }}` renders `Rp 1.250.000`."""
    return format_rupiah(amount)


@register.filter
def abs_rupiah(amount) -> str:
    """`{{ -50000|abs_rupiah }}` renders `Rp 50.000`: the sign is shown apart."""
    return format_rupiah(abs(amount)) if amount is not None else ""
