"""The support ledger (支持情况台账), article 18 of the Measures (DESIGN.md §15): the support
the city gives each named consortium, by the eight kinds of article 18, entered by city
staff, shown on the consortium page and counted on /statistics/."""
