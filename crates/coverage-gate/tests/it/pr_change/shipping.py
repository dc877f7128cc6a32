"""Shipping costs."""


def shipping(weight, express=False):
    if weight <= 0:
        raise ValueError("weight must be positive")
    cost = 5 + weight * 2
    if express:
        cost *= 2
        cost += 3
    return cost
