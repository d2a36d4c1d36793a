"""Request and response bodies of the partners' API.

Money is whole Rupiah (integers); percentages are decimal strings ("12.50"); dates and times
are ISO 8601. Free text may not contain NUL characters (PostgreSQL cannot store them).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, StrictInt, StrictStr

#: The largest amount the API accepts (one trillion Rupiah), far below BigIntegerField's limit.
MAX_RUPIAH = 1_000_000_000_000
MAX_INT32 = 2_147_483_647


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800") cannot be stored
            raise ValueError("must be valid Unicode text") from None
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Dates are ISO strings (YYYY-MM-DD) only: no timestamps, no other formats."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


Text = Annotated[StrictStr, AfterValidator(_no_nul)]
#: JSON integers only: "5", 5.0 and true are refused, not converted.
Int = StrictInt
Date = Annotated[date, BeforeValidator(_iso_date)]


class Strict(Schema):
    """Request bodies refuse unknown keys, so a typo is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


# --- Errors ----------------------------------------------------------------------------------


class ErrorDetail(Schema):
    code: str = Field(..., examples=["not_found"])
    message: str
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages per request field ('__all__': the request)."
    )


class ErrorOut(Schema):
    error: ErrorDetail


# --- Offers ----------------------------------------------------------------------------------


class OfferIn(Strict):
    title: Text = Field(..., min_length=1, max_length=120)
    description: Text = Field("", max_length=2000)
    unit: Text = Field("", max_length=30, description="e.g. kg, sack")
    price: Int = Field(..., ge=1, le=MAX_RUPIAH, description="Whole Rupiah.")
    discount_percent: Decimal = Field(
        Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2, description="Members' discount."
    )
    valid_from: Date
    valid_to: Date | None = None


class OfferPatch(Strict):
    """Only the keys sent are changed."""

    title: Text | None = Field(None, min_length=1, max_length=120)
    description: Text | None = Field(None, max_length=2000)
    unit: Text | None = Field(None, max_length=30)
    price: Int | None = Field(None, ge=1, le=MAX_RUPIAH)
    discount_percent: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    valid_from: Date | None = None
    valid_to: Date | None = None


class OfferOut(Schema):
    id: int
    title: str
    description: str
    unit: str
    price: int = Field(..., description="Whole Rupiah.")
    discount_percent: str = Field(..., examples=["10.00"])
    member_price: int = Field(..., description="What a member pays, whole Rupiah.")
    valid_from: date
    valid_to: date | None
    state: Literal["published", "scheduled", "expired", "withdrawn"] = Field(
        ..., description="Where the offer stands today."
    )
    order_count: int
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_discount_percent(obj) -> str:
        return f"{Decimal(obj.discount_percent):.2f}"


class OfferPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OfferOut]


# --- Orders ----------------------------------------------------------------------------------

OrderStatus = Literal["placed", "confirmed", "fulfilled", "rejected", "cancelled"]


class OrderOut(Schema):
    id: int
    cooperative: str = Field(..., description="The cooperative's slug.")
    member_number: int | None
    member_name: str
    offer: int = Field(..., description="The offer's id.")
    offer_title: str
    quantity: int
    unit_price: int
    total: int
    note: str
    status: OrderStatus
    reason: str
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_cooperative(obj) -> str:
        return obj.cooperative.slug

    @staticmethod
    def resolve_member_number(obj) -> int | None:
        return obj.member.number

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.full_name

    @staticmethod
    def resolve_offer(obj) -> int:
        return obj.offer_id

    @staticmethod
    def resolve_offer_title(obj) -> str:
        return obj.offer.title


class OrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrderOut]


class OrderStatusIn(Strict):
    status: Literal["confirmed", "rejected", "fulfilled"]
    reason: Text = Field("", max_length=500, description="Required when rejecting.")


# --- Purchases -------------------------------------------------------------------------------


class PurchaseIn(Strict):
    cooperative: Text = Field(
        ..., min_length=1, max_length=60, description="The cooperative's slug."
    )
    member_number: Int = Field(..., ge=1, le=MAX_INT32)
    code: Text = Field(
        ..., min_length=1, max_length=20, description="The one-time code the member shows."
    )
    amount: Int = Field(..., ge=1, le=MAX_RUPIAH, description="What the member paid, whole Rupiah.")
    description: Text = Field("", max_length=200)
    discount: Int = Field(0, ge=0, le=MAX_RUPIAH, description="Members' discount given, Rupiah.")
    order: Int | None = Field(None, ge=1, le=2**63 - 1, description="The order's id, if any.")


class PurchaseOut(Schema):
    id: int
    cooperative: str
    member_number: int | None
    order: int | None
    amount: int
    discount: int
    description: str
    occurred_at: datetime
    created_at: datetime

    @staticmethod
    def resolve_cooperative(obj) -> str:
        return obj.cooperative.slug

    @staticmethod
    def resolve_member_number(obj) -> int | None:
        return obj.member.number

    @staticmethod
    def resolve_order(obj) -> int | None:
        return obj.order_id


class PurchasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PurchaseOut]


# --- Figures ---------------------------------------------------------------------------------


class CooperativeFiguresOut(Schema):
    """Aggregates only: never a person's data. Money in whole Rupiah."""

    name: str
    slug: str
    active_members: int
    savings_pokok: int
    savings_wajib: int
    savings_sukarela: int
    savings_total: int
    loans_active: int
    loans_outstanding: int
    loans_at_risk: int = Field(
        ..., description="Principal outstanding on loans more than 30 days past due."
    )
    par30_percent: str = Field(..., examples=["4.25"], description="Portfolio at risk, percent.")

    @staticmethod
    def resolve_par30_percent(obj) -> str:
        return f"{obj.par30_percent:.2f}"


class FiguresOut(Schema):
    count: int
    items: list[CooperativeFiguresOut]
