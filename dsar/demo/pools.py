"""Faker's output, made once per run and sampled for every row."""

from __future__ import annotations

import random
from datetime import date

from faker import Faker

from . import texts

LOCALES = ("nl_NL", "en_GB", "sv_SE", "ru_RU")


class Pools:
    """Names, addresses, agents and filled-in message texts, per locale and language."""

    def __init__(self, seed: int, *, size: int, rng: random.Random, today: date) -> None:
        # Dates customers mention: the last two years.
        self.recent = (today.toordinal() - 730, today.toordinal() - 1)
        self.names, self.emails, self.postcodes, self.places = {}, {}, {}, {}
        for locale in LOCALES:
            fake = Faker(locale)
            fake.seed_instance(seed)
            self.names[locale] = [fake.name() for _ in range(size)]
            self.emails[locale] = [fake.free_email() for _ in range(size)]
            self.postcodes[locale] = [fake.postcode() for _ in range(min(size, 500))]
            self.places[locale[:2]] = [
                (fake.street_address(), fake.postcode(), fake.city()) for _ in range(100)
            ]
        fake = Faker("nl_NL")
        fake.seed_instance(seed)
        self.agents = [f"{fake.first_name()} {fake.last_name()[0]}." for _ in range(40)]
        self.bodies: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        self.generic: dict[str, tuple[list[str], list[str]]] = {}
        for lang, topics in texts.TEXTS.items():
            for topic, by_direction in topics.items():
                filled = tuple(
                    [self._fill(rng, lang, rng.choice(by_direction[d])) for _ in range(150)]
                    for d in ("in", "out")
                )
                if topic == "generic":
                    self.generic[lang] = filled
                else:
                    self.bodies[lang, topic] = filled

    def _fill(self, rng: random.Random, lang: str, template: str) -> str:
        street, postcode, city = rng.choice(self.places[lang])
        when = date.fromordinal(rng.randint(*self.recent))
        return template.format(
            amount=texts.AMOUNT_FORMATS[lang].format(
                e=rng.randint(5, 400), c=rng.choice((0, 0, 50, 95, 99))
            ),
            date=when.strftime(texts.DATE_FORMATS[lang]),
            order=f"{rng.choice(texts.ORDER_PREFIXES)}-{rng.randint(100000, 999999)}",
            days=rng.randint(3, 10),
            n=rng.randint(2, 6),
            iban4=f"{rng.randrange(10**4):04d}",
            street=street,
            postcode=postcode,
            city=city,
            ticket=f"#{rng.randint(100000, 999999)}",
            time=f"{rng.randint(9, 17)}:{rng.choice(('00', '15', '30', '45'))}",
        )
