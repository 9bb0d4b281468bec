"""Which CJK characters a Chinese document can set: the code points from
U+2E80 to U+FFEF that both FandolSong-Regular and FandolSong-Bold (Debian's
texlive-lang-chinese, the fonts ctex's fontset=fandol uses) have a glyph for.
Fandol covers about 9,700 of them (GB 2312 and more, not all of Unicode's
CJK): any other one would vanish from the PDF, so the escaping prints it as
a visible '?' instead, as pdflatex does with what it cannot set.

Regenerate with ``python -m derive.printers.fandol FONT_DIR`` (the folder
holding the two .otf files, needs fontTools); tests/test_tex_escape.py
compares this table with the fonts when they are installed."""
from __future__ import annotations

import base64
import zlib
from functools import lru_cache

LO, HI = 0x2E80, 0xFFEF
FONTS = ("FandolSong-Regular.otf", "FandolSong-Bold.otf")
# a bitmap over LO..HI (bit k of byte k // 8 for code point LO + k), zlib, base64
_BITMAP = (
    "eNrtmX1QE2cex3+7bMISAmxCwIhWNiFAQIsBQRGsLCFgeNHGEiyKVkBq0fYoVXtWsc0SA0ZeaoxWaXuUQH2JltaiWBVrQWQU"
    "tS0gVmlrJfiCtlWxoo0aYG/B6bR3c3M3N3M3d3/w2Zl9fru/Z57d5/X3feYB+Fu6mUbGwbC3YYYGGcY+yNzuZpi+OzGsl/HY"
    "xzhgyAmoIeY3POB3W4fbhhMn+Kf8K/8oo4zy36FUV6Crfyatz+pY1B+HulIqx8yv7AWTypi8x1ejnrptRXvXtz0oS4tQ2z5i"
    "jpjnd6V/dE7+40WSjmxZ/yD5Bi+eavDenq0DrbGTFJHE3VaJBJysU2pTSDpbZcuX8zpcMRrFMLpg4p9FsgJHdOCUaz4RFX2R"
    "HQ2o3NP6cmPbiycnC14+vW9TeGp6zUmZ5e1A15seMe5NJbwXfxaB5FRWdU9Acgt8/dGpofPdZ44WrYoid/5picroHnOu9E2m"
    "L3qBve/mWcfUjES3wXFa5M70tK7XQ7oaffZc7G/89cpL/PpmvSdeeb60fUHxMs29Vbb5VZuEB2jtJ8vzV7xQv7ayNjOu03S6"
    "Yv+8Esg3eYp8nxtra8JRvNBEYJj51hj5lN70ySmbcbvLnKL76wdS97WK14n5ePdyEcJvDd8tsJgCr8ulSk/DFCDCzbEyMamc"
    "yOVfgDg8vQaCjxPfJQZsteRvq79jfn7b2Xscf22632X/L7Mj27Akil8VIRdAyWNP3uYgdB4RxyWxFuyuAQDjAzYpiyvUCpJ5"
    "KICwie2ldxAEjjaumzBx59H3rTodf83V+4Sb7deMrKpzfSsi6gkhE9jmp9S1o8Xc0E5f96i91UIcQ1f4x8q/pNrV7dlEJj0e"
    "guA9AkQAUgBaRMqx3N6zH2TmbV4ZY8s9Mz2CULS64wuZjjLHhR75zTjgzjG6eXW1+Jbv3dizS+qNzL0tmTe11OeQ7+5U9CVL"
    "2Bv7T/lteUX6o+7aqqirm8gKd7l/wF8aExvFYdraxCPzxmbypQdPODK4cVfJsm9xoGGR1L8ssQewFE+ZaVwLZfDwBgqudcQO"
    "3iifqq20lRZMcGkdSjwn4N4pnzZW2nB/9Q9Vt/q/u1scp7wVU44tfeWxpOntJc38yovxyMer302beyVe5bpUWx14+N30uHDN"
    "jnsc0XG6BveoR/KUkWt3/nDolXfi00xjUmL1Ir8Zl/LPkluuLE8RH0TKxKXv7W8oDFvb1QLX+09gs89H1lRXr9C4VwzseO54"
    "h2qroJk0JBJKQCEqVljZ6TK5zkodC5PN7kxu99u9r93Mq3699uMfER/ad7W/eZyluvsMiXLLVuqejwbGtR2W00aypToIOME7"
    "ijZSft7SXA4tIAU1GFaRk5hb4/mNn2IsvcyMo+sERoTkW7iY8QSvSLrEhCOlAYAKBdQW4PiAC/5keuIEBlAFhqWtQgQdwgzj"
    "LoekuKHY52VLrQM8tEwutVUXbLrcFiE5xa176Omclp23ZWzJ4zx3h8L7kXryVz+/aU43zLGkhKz96faEeYknTQJZatTN79tk"
    "hb+IlUtSF+6dQK7qlBU0iOLFmekboRWacvWxdTsMFyZ9VtHQsnrLVn2CPhJ76os5x5vkwrnaTC+vjpU0YYYk1AMNOO7Z6qQC"
    "VDoJB1IJJmms+HBWhyRhVRg8LIn2KILS9qMmKXCXOSvpOCDngaY9ju9PGETrEUGwEo8N1/dkEkKKROTgdaOPDlXtPdks6/Ws"
    "xWjDpx1OvllFSqf+qhie6uYbAS+cO6EgiwCp859tSlIasTPlfM5uJ2W1FKNyixF+TtoaAgXLZTzgOFWqRjS0E4IBhmkWNbXT"
    "hIW3XX5032zJt8TMHL52favxwq7orpiVnweuSr7k5mmeOKO61B4yvcNNoWmfVOG05nxiEpegvA051y+ebmjyTjVPhOL4D21e"
    "peDEzxsLV0LzuU07vYOsQNLjax+re5zDLhy8GbZ5cbXmOgkDNEGvKKnci/rOk7qHckGwFZNSuFIjJhbGObUO7KymOVN2AEZT"
    "vLzk4IDCrr1I0Oxck8qFKmmgMvWAoR0bMiS9dVmrcYPCjWpetoPalV4elvTaIl6a7b3nn+ZQu5Ik8jrFyRgh0inkBWQn6DX0"
    "YYpuxqDHVQGAaMSRgO76JVzlvqImwnausBASQ0M2u28wuqBaQKiE2JMoqscJVe6EPYBxs1y2ECNjzKjW5+pBQUEALsRM6gqm"
    "se/GsOTr62MGGccQq/10nHA4UMSdtV0p1RLXzHrOAak2vHCJ0tWnIPKB53Xnn/akzNDGQ3Gb7ZGP+ti0O9vuL85vemt/4+KI"
    "nN7F8WBKiKMWRXN7lnsynCL0mURnvPbZqVBojBAvtE/z6nI/5kg2lcAG6nhVr+h28YEVzPtLzINffFtgNPOGOvePp4+sHXNa"
    "P+aSg6GnZyakzOd4dE/7cKumzq/Y2W/BABp6V4CGUqh+QlLUTxxDBi1EadEhYUiyZZkGMQFRYuBF0jG4M6UkAkVzPjUQYs2p"
    "QhStCVIoUKLEhiuBlsJmsE05b0hHh5xnyBUV21diHV97niWyfePKA2vTQpTmVjrViq6h5q6ZFGRswo7IZXP57rhEiyWxy6iR"
    "Cwk+rykqgmdmFF2ZGqQiRHI9sbQ5/MAMZFwqhrm5S/lpIASqiTJgxiSjml3iQWbvnqXNNeJIebx6Dy4TqgCRqFOC3VFLgDw2"
    "Q8Axm3AVQYM+/qCKDlYSoAQ9eFGmzSSCTQKmb9CuY1iVzQpztoeGtTk0e0owLh93lnkTWRuqut6t5PA1i8KJcHIn9fCJHl+j"
    "65Y/gjB+mB5Hor5J72q+Ja60Tia3CWz8C2EB2z24KLU/zVSzQ6AhKzAMWYfR7NhAcFQhJ4vhtCIb6Cb2e0N9jm71z7OyP4uN"
    "dqx6daOf7pOLd5615czfdrNx/tNL6g+y8SJ4zvmCZ/e3lEae3KPIEqEqZZnFGVUPFeXMvGC/aomaNZ4/oMDWD6GhOMq2RLaC"
    "woGgENDzMSBcJBQqICmaV8NOYUIGAvYXkPiNfAqVgwuISAwzUIBp2NWRQ9HoyBLJhkZKThFsUYAXfWpjjo1UV6e74WAbxs6a"
    "fW8x9m77r93sSG6jXUp4SLATxgMRRaB9bDbG/hlX9dbhB9Gh1g/GDEoyb9eNozkZK/vv5fi4bfgyqfOqWkPLOHGApCQFoukE"
    "afVGXKxsFBXj0DQzl84TbEIIEgmiFEQibbzHMIe+H7QjwNYopI0uxPLl4W6xaCxQJD6VsjL2+v6PGSfyNR82vPjLURKlUYo1"
    "oZAiwWLA7joYe2XbYGPhCa9AsU+h0go8dSFOW2mu+IsPhRgM98hwdupJAsjI9H0SKdARp6l32bRLzMvMMw8HHvXLQMy+J3G2"
    "cY3DBgwHkxEI9vqtMKBfbbxzY6i7ZlFXjOtdg0uZJROIZcQV4aOdG2AB5G5EOSZ6OcF3ZjNj9KMYwQfIH/du/2/4jmr6UUYZ"
    "ZZRRRhnlP8jwdsmmGzFpVgTRjMdom4zy74D+8YH+bUz9Txk+fXk8Ipupf+D9/SyH0f29byL8FSr7sME=")


@lru_cache(maxsize=1)
def _bits() -> bytes:
    return zlib.decompress(base64.b64decode(_BITMAP))


def in_cjk_range(c: str) -> bool:
    return LO <= ord(c) <= HI


def has_glyph(c: str) -> bool:
    """Whether Fandol Song (regular and bold) sets ``c``; for c in LO..HI only."""
    k = ord(c) - LO
    return 0 <= k <= HI - LO and bool(_bits()[k // 8] >> (k % 8) & 1)


def coverage(folder) -> set[int]:
    """The code points in LO..HI that every font of FONTS in ``folder`` has."""
    from pathlib import Path
    from fontTools.ttLib import TTFont
    sets = [set(TTFont(str(Path(folder) / name)).getBestCmap()) for name in FONTS]
    return {c for c in set.intersection(*sets) if LO <= c <= HI}


def bitmap(points: set[int]) -> str:
    bits = bytearray((HI - LO + 1 + 7) // 8)
    for c in points:
        bits[(c - LO) // 8] |= 1 << ((c - LO) % 8)
    return base64.b64encode(zlib.compress(bytes(bits), 9)).decode()


if __name__ == "__main__":   # print the new _BITMAP for a font folder
    import sys
    import textwrap
    print("\n".join('    "%s"' % line for line in textwrap.wrap(bitmap(coverage(sys.argv[1])), 96)))
