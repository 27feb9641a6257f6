from django import template

register = template.Library()


@register.filter
def number(value) -> str:
    """1234567 -> "1,234,567" (the portal's figures, whatever the locale settings)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "–"


@register.filter
def paragraphs(text: str) -> list[str]:
    """Policy text split on blank lines, for <p> elements (the text is escaped by the template)."""
    return [part.strip() for part in (text or "").replace("\r\n", "\n").split("\n\n") if part.strip()]


@register.filter
def key_label(name: str) -> str:
    """ "period_start" -> "Period start"."""
    return str(name).replace("_", " ").capitalize()


@register.filter
def money(value) -> str:
    """Decimal("43000") -> "$43,000"; Decimal("1234.50") -> "$1,234.50" (the same wording as the FAQ's figures)."""
    from decimal import Decimal

    from transparency.faq import format_figure

    if value is None:
        return "not recorded"
    return format_figure(Decimal(value))


@register.filter
def answer_time(seconds) -> str:
    """Median seconds to answer, in words: "2.5 days", "5 hours", "under an hour"; "no answers yet" for None."""
    if seconds is None:
        return "no answers yet"
    days = float(seconds) / 86400
    if days >= 1:
        return f"{days:.1f} days"
    hours = round(float(seconds) / 3600)
    if hours < 1:
        return "under an hour"
    return f"{hours} hour{'s' if hours != 1 else ''}"
