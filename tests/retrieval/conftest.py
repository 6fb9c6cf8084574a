"""Fixtures of the retrieval tests: a tiny shop written to disk, a counting fake embedder, the real one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from retrieval import get_embedder
from retrieval.config import RetrievalSettings

CATALOG = """sku,name,category,subcategory,price,currency,stock,sizes,colours,materials,weight_g,compatible_with,description
TR-001,Trail Runner GTX,shoes,running,129.90,EUR,12,40|41|42,black|red,gore-tex|rubber,320,,Waterproof trail running shoe with a grippy sole for muddy paths.
TR-002,Road Racer,shoes,running,89.00,EUR,0,40|41,white,mesh,250,,Light road running shoe for fast runs on asphalt.
JK-010,Storm Jacket,clothing,jackets,199.00,EUR,3,S|M|L,blue,nylon,540,,Rain jacket with taped seams that keeps you dry in storms.
BP-020,Day Pack 20,bags,backpacks,59.50,EUR,25,,green|grey,polyester,610,JK-010,Twenty litre hiking backpack with a rain cover.
"""

RETURNS_MD = """# Returns and refunds

You can return any unworn item within 30 days of delivery for a full refund.

## Refunds

Refunds are paid to the original payment method within 14 days after we receive the parcel.

## Exchanges

Exchanging a size is free in any of our stores.
"""

SHIPPING_HTML = """<html><head><title>Shipping</title><script>var tracking = "secret-script-text";</script>
<style>.x{color:red}</style></head>
<body><nav>Home | Shop | Contact</nav>
<h1>Shipping and delivery</h1><p>We ship to all EU countries.</p>
<h2>Costs</h2><p>Shipping is free for orders over 50 EUR; below that it costs 4.90 EUR.</p>
<h2>Delivery times</h2><ul><li>Germany: 1-2 working days</li><li>Other EU countries: 3-5 working days</li></ul>
</body></html>
"""

CAMPAIGN = """name: Autumn trail days
discount: 15% on trail running shoes
starts: 2026-10-01
ends: 2026-10-31
"""


def write_shop(root: Path) -> Path:
    """A small shop folder like data/demo (catalog, policies, pages, campaigns)."""
    (root / "policies").mkdir(parents=True, exist_ok=True)
    (root / "pages").mkdir(exist_ok=True)
    (root / "campaigns").mkdir(exist_ok=True)
    (root / "catalog.csv").write_text(CATALOG)
    (root / "policies" / "returns.md").write_text(RETURNS_MD)
    (root / "pages" / "shipping.html").write_text(SHIPPING_HTML)
    (root / "campaigns" / "autumn.yaml").write_text(CAMPAIGN)
    return root


def write_pdf(path: Path, text: str) -> Path:
    """A real one-page PDF with extractable text (matplotlib, TrueType fonts)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure(figsize=(6, 2))
        fig.text(0.05, 0.5, text)
        fig.savefig(path)
        plt.close(fig)
    return path


class CountingEmbedder:
    """Deterministic bag-of-words hashing embedder that counts the texts it embeds (unit tests of sync logic)."""

    dim = 64
    name = "counting-fake"

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        self.texts.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-9
        return out


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_shop(tmp_path / "shop")


@pytest.fixture
def fake_embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    return get_embedder(RetrievalSettings())


def write_table_pdf(path: Path) -> Path:
    """A real two-page PDF laid out as a help page: a title, section headings in a larger font, prose, a table whose
    columns are drawn at fixed x positions (as table PDFs are), a bold question with its answer, and a list."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    table = [
        ("Payment method", "When you are charged", "Fee"),
        ("PayPal", "when you place the order", "none"),
        ("Visa, Mastercard", "when your order ships", "none"),
        ("Klarna invoice", "within 30 days of delivery", "1.50 EUR"),
    ]
    with plt.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.08, 0.94, "Payment and delivery", fontsize=20)
        fig.text(0.08, 0.90, "Ways to pay", fontsize=14)
        fig.text(0.08, 0.87, "We accept the payment methods below in the online shop.", fontsize=10)
        for i, row in enumerate(table):
            for x, cell in zip((0.08, 0.36, 0.72), row, strict=True):
                fig.text(x, 0.83 - i * 0.025, cell, fontsize=10)
        fig.text(0.08, 0.70, "Can I pay in instalments?", fontsize=10, weight="bold")
        fig.text(0.08, 0.68, "Yes, with Klarna instalments on orders from 150 EUR; the first", fontsize=10)
        fig.text(0.08, 0.665, "instalment is due after 30 days.", fontsize=10)
        pdf.savefig(fig)
        plt.close(fig)
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.08, 0.94, "Delivery", fontsize=14)
        fig.text(0.08, 0.91, "Parcels leave our warehouse within one business day.", fontsize=10)
        fig.text(0.08, 0.88, "- Austria and Germany: 2-4 business days", fontsize=10)
        fig.text(0.08, 0.86, "- Other EU countries: 3-6 business days", fontsize=10)
        fig.text(0.08, 0.83, "3", fontsize=8)  # a page number: not content
        pdf.savefig(fig)
        plt.close(fig)
    return path
