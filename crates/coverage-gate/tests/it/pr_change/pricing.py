"""Prices, discounts and taxes."""


def discount(total, code=None):
    if code is None:
        return total
    if code == "HALF":
        return total / 2
    elif code == "TENOFF":
        return max(total - 10, 0)
    raise ValueError(f"unknown code {code}")


def tax(amount, region):
    rates = {"eu": 0.2, "us": 0.07, "uk": 0.2}
    rate = rates.get(region)
    if rate is None:
        rate = 0.0
    return round(amount * rate, 2)


def total_price(items, region="eu", code=None):
    subtotal = 0
    for price, qty in items:
        if qty <= 0:
            continue
        subtotal += price * qty
    after = discount(subtotal, code)
    return after + tax(after, region)


def bulk_discount(total, qty):
    # Tiered: big orders get more off.
    if qty >= 100:
        return total * 0.8
    if qty >= 10:
        return total * 0.9
    return total


def _never_called(x):
    if x:
        return 1
    return 2
