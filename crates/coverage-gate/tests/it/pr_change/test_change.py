import unittest

from shop.pricing import bulk_discount, tax
from shop.shipping import shipping


class ChangeTest(unittest.TestCase):
    def test_bulk(self):
        self.assertEqual(bulk_discount(100, 10), 90)

    def test_tax(self):
        self.assertEqual(tax(100, "uk"), 20)

    def test_shipping(self):
        self.assertEqual(shipping(1), 7)
