#!/usr/bin/env python3
"""Independent reference implementation of ANALYTICS.md sections 1-8 and 10 with Polars.

Online Retail II layout only:
    Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
with timestamps `YYYY-MM-DD HH:MM:SS`.

    python3 scripts/reference_polars.py INPUT.csv --out DIR [--as-of YYYY-MM-DD]
        [--strict-fields] [--quality]

Writes executive_metrics_summary.csv, customer_rfm_segments.csv, customer_value_tiers.csv and
customer_cohort_retention.csv into DIR (section 10 formats) and prints the wall time to stderr.

It is both a cross-check of the Swift tool (outputs are expected to be byte-equal) and the speed
baseline it is compared against, so the hot path is plain lazy, multithreaded Polars; Python only
touches per-customer results that are already aggregated, and scalars.

Money is exact: Quantity and Price are parsed as decimal mantissa + scale, line revenue is the exact
product rounded half-to-even to 4 decimals and kept as an integer count of 1/10000 units (Int128 in
Polars, Python int outside). No float ever holds money.

Known gap (see scripts/README.md): Polars pads short records with empty strings and keeps a trailing
empty extra field as "", so a record with too FEW fields, or too MANY where every extra field is
empty, cannot be told apart from a full one. Records with a non-empty extra field are caught.
`--strict-fields` closes the gap with an extra pass of Python's csv module (slow; off by default).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import polars as pl

# Online Retail II column names (header line, line 1).
COL_INVOICE = "Invoice"
COL_DATE = "InvoiceDate"
COL_QTY = "Quantity"
COL_PRICE = "Price"
COL_CUSTOMER = "Customer ID"
COL_COUNTRY = "Country"
REQUIRED = (COL_INVOICE, COL_QTY, COL_DATE, COL_PRICE, COL_CUSTOMER)

WS = " \t\r\n\x0b\x0c"  # "surrounding white space": ASCII white space
NUMBER_RE = r"^[+-]?[0-9]+(\.[0-9]+)?$"
TIMESTAMP_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
TIMESTAMP_FMT = "%Y-%m-%d %H:%M:%S"
UNITS = 10_000  # money resolution: 1/10,000 of the currency unit
MAX_LINE_UNITS = 10**30  # |line revenue| < 10^26: Int128 sums of < 10^8 lines cannot overflow

REASONS = [
    "wrong number of fields",
    "missing or unparseable timestamp",
    "unparseable quantity",
    "quantity 0",
    "unparseable unit_price",
    "unit_price <= 0",
]

SEGMENT_TABLE = [  # (segment, R scores, F scores), section 4
    ("Champions", (5,), (4, 5)),
    ("Loyal Customers", (3, 4), (4, 5)),
    ("Potential Loyalists", (4, 5), (2, 3)),
    ("New Customers", (5,), (1,)),
    ("Promising", (4,), (1,)),
    ("Need Attention", (3,), (3,)),
    ("About To Sleep", (3,), (1, 2)),
    ("At Risk", (1, 2), (3, 4)),
    ("Can't Lose Them", (1, 2), (5,)),
    ("Hibernating", (1, 2), (1, 2)),
]


def die(msg: str) -> None:
    print(f"reference_polars: error: {msg}", file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

def read_header(path: str) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), None)
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    except UnicodeDecodeError:
        die(f"{path}: not UTF-8 text")
    if not header:
        die(f"{path}: empty file (no header line)")
    return [h.strip(WS) for h in header]


def decimal_parts(s: pl.Expr, prefix: str) -> list[pl.Expr]:
    """For a string matching NUMBER_RE: |mantissa| (null when it does not fit Int64) and scale."""
    dot = s.str.find(".", literal=True).cast(pl.Int32)
    return [
        s.str.replace(".", "", literal=True).cast(pl.Int64, strict=False).abs().alias(f"{prefix}_mant"),
        (s.str.len_bytes().cast(pl.Int32) - dot - 1).fill_null(0).alias(f"{prefix}_scale"),
    ]


def fast_revenue() -> pl.Expr:
    """Exact |quantity x price| in 1/10000 units, half-to-even, in Int64; null when it might not fit.

    The product of the mantissas is kept below 10^14 so that the scale-up by at most 10^4 fits.
    (The float product is only a bound check; a 1-ulp error near 10^14 is harmless.)
    """
    q, p = pl.col("q_mant"), pl.col("p_mant")
    prod = q * p
    scale = pl.col("q_scale") + pl.col("p_scale")
    # both when/then branches are evaluated: keep the exponents non-negative
    up = pl.lit(10, dtype=pl.Int64).pow((4 - scale).clip(0, 18))  # used when scale <= 4
    down = pl.lit(10, dtype=pl.Int64).pow((scale - 4).clip(0, 18))  # used when scale > 4
    quot = prod // down
    rem = prod - quot * down
    rounded = quot + ((2 * rem > down) | ((2 * rem == down) & (quot % 2 == 1))).cast(pl.Int64)
    mag = pl.when(scale <= 4).then(prod * up).otherwise(rounded)
    fits = (q >= 0) & (p >= 0) & (scale <= 22) & (q.cast(pl.Float64) * p.cast(pl.Float64) < 1e14)
    return pl.when(fits).then(mag)


def exact_revenue(batch: pl.Series) -> pl.Series:
    """Wide mode: Int128 revenue; lines whose mantissas are too long for Int64 via Decimal."""
    fast = batch.struct.field("fast")
    if fast.null_count() == 0:
        return fast.cast(pl.Int128)
    q = batch.struct.field("q")
    p = batch.struct.field("p")
    values = fast.to_list()
    with localcontext() as ctx:
        ctx.prec = 200
        for i in fast.is_null().arg_true().to_list():
            exact = abs(Decimal(q[i]) * Decimal(p[i])) * UNITS
            values[i] = int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))
            if values[i] >= MAX_LINE_UNITS:
                die(f"line revenue {q[i]} x {p[i]} is beyond the supported range (10^26)")
    return pl.Series(values, dtype=pl.Int128)


def load_lines(path: str, header: list[str], strict_fields: bool) -> tuple[pl.LazyFrame, pl.Expr]:
    """Lazy frame of all data records with parsed/validated columns; plus the invalid-reason expr."""
    ncols = len(header)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        die(f"{path}: required column(s) missing from the header: {', '.join(missing)}")
    pos = {name: header.index(name) for name in header[::-1]}  # first occurrence wins
    # One sentinel column beyond the header: non-empty => the record has too many fields.
    names = [f"c{i}" for i in range(ncols + 1)]
    lf = pl.scan_csv(
        path,
        has_header=False,
        skip_rows=1,
        schema={n: pl.String for n in names},
        missing_columns="insert",
        truncate_ragged_lines=True,
        empty_string_is_null=False,
        encoding="utf8",
    )

    def field(name: str) -> pl.Expr:
        if name not in pos:
            return pl.lit("", dtype=pl.String)
        # strip_chars() strips Unicode white space; explicit ASCII sets are ~5x slower in Polars
        return pl.col(names[pos[name]]).fill_null("").str.strip_chars()

    q = field(COL_QTY)
    p = field(COL_PRICE)
    ts = field(COL_DATE)
    fields_ok = pl.col(names[ncols]).fill_null("") == ""
    if strict_fields:
        fields_ok = fields_ok & pl.col("__fields_ok")
        lf = lf.with_columns(__fields_ok=strict_field_mask(path, ncols))
    stamp = ts.str.to_datetime(TIMESTAMP_FMT, strict=False, time_unit="ms")
    lf = lf.select(
        fields_ok.alias("fields_ok"),
        (ts.str.contains(TIMESTAMP_RE) & stamp.is_not_null()).alias("ts_ok"),
        stamp.dt.date().alias("day"),
        q.str.contains(NUMBER_RE).alias("q_ok"),
        p.str.contains(NUMBER_RE).alias("p_ok"),
        *decimal_parts(q, "q"),
        *decimal_parts(p, "p"),
        q.str.starts_with("-").alias("q_neg"),
        p.str.starts_with("-").alias("p_neg"),
        q.alias("q"),
        p.alias("p"),
        field(COL_INVOICE).alias("inv"),
        field(COL_CUSTOMER).alias("cust"),
        field(COL_COUNTRY).alias("country"),
    ).with_columns(
        # For a well-formed number the mantissa cast fails only on overflow, so null => not zero.
        (pl.col("q_mant").is_null() | (pl.col("q_mant") != 0)).alias("q_nz"),
        (~pl.col("p_neg") & (pl.col("p_mant").is_null() | (pl.col("p_mant") != 0))).alias("p_pos"),
    )
    reason = (
        pl.when(~pl.col("fields_ok")).then(0)
        .when(~pl.col("ts_ok")).then(1)
        .when(~pl.col("q_ok")).then(2)
        .when(~pl.col("q_nz")).then(3)
        .when(~pl.col("p_ok")).then(4)
        .when(~pl.col("p_pos")).then(5)
    )
    return lf, reason


def strict_field_mask(path: str, ncols: int) -> pl.Series:
    """Exact per-record field count with Python's csv module (aligned with Polars' records)."""
    ok = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader, None)
        for rec in reader:
            ok.append(len(rec) == ncols)
    return pl.Series("__fields_ok", ok, dtype=pl.Boolean)


def valid_lines(lf: pl.LazyFrame, as_of: dt.date | None, wide: bool) -> pl.LazyFrame:
    valid = (
        pl.col("fields_ok") & pl.col("ts_ok") & pl.col("q_ok") & pl.col("q_nz")
        & pl.col("p_ok") & pl.col("p_pos")
    )
    lf = lf.filter(valid)
    if as_of is not None:
        lf = lf.filter(pl.col("day") < as_of)
    if wide:
        dtype = pl.Int128
        magnitude = pl.struct(fast=fast_revenue(), q=pl.col("q"), p=pl.col("p")).map_batches(
            exact_revenue, return_dtype=pl.Int128, is_elementwise=True
        )
    else:
        dtype = pl.Int64
        magnitude = fast_revenue()  # null where Int64 might not hold it: detected, then wide rerun
    return lf.with_columns(magnitude.alias("mag")).select(
        "cust",
        "inv",
        "day",
        "country",
        # cancelled: invoice starts with C, or negative quantity (valid => quantity != 0)
        (pl.col("inv").str.starts_with("C") | pl.col("q_neg")).alias("cancelled"),
        pl.when(pl.col("q_neg"))
        .then(pl.lit(0, dtype=dtype) - pl.col("mag"))
        .otherwise(pl.col("mag"))
        .alias("rev"),
    )


def reduce_lines(records: pl.LazyFrame, as_of: dt.date | None, wide: bool) -> pl.LazyFrame:
    """The one pass over the lines: (customer, invoice, day, cancelled) groups.

    Everything after works on this far smaller frame. Country is reduced to the alphabetically
    first one per group; a customer's country is then taken from its latest day's groups.
    Narrow mode is pure Polars in Int64; its groups carry what proves their sums exact (no line
    left to the Decimal path, and max |line| x lines < 2^62).
    """
    lines = valid_lines(records, as_of, wide)
    aggs = [pl.col("rev").sum().alias("rev"), pl.col("country").min().alias("country")]
    if not wide:
        aggs += [
            pl.col("rev").null_count().alias("n_slow"),
            (pl.col("rev").abs().max().cast(pl.Float64) * pl.len()).alias("bound"),
        ]
    return lines.group_by("cust", "inv", "day", "cancelled").agg(aggs)


def collect_groups(records: pl.LazyFrame, as_of: dt.date | None) -> pl.DataFrame:
    groups = reduce_lines(records, as_of, wide=False).collect()
    exact = groups.select((pl.col("n_slow") == 0).all() & (pl.col("bound").fill_null(0) < 2.0**62).all())
    if groups.height == 0 or exact.item():
        return groups.drop("n_slow", "bound").with_columns(pl.col("rev").cast(pl.Int128))
    # Rare: very long numbers or huge amounts. Read again with exact Decimal/Int128 arithmetic.
    print("reference_polars: long numbers or huge amounts, rereading with Decimal/Int128", file=sys.stderr)
    return reduce_lines(records, as_of, wide=True).collect()


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------

def money_str(units: int | None) -> str:
    if units is None:
        return ""
    sign = "-" if units < 0 else ""
    ip, fp = divmod(abs(units), UNITS)
    if fp == 0:
        return f"{sign}{ip}"
    return f"{sign}{ip}.{fp:04d}".rstrip("0")


def money_expr(col: pl.Expr) -> pl.Expr:
    a = col.abs()
    ip = (a // UNITS).cast(pl.String)
    fp = a % UNITS
    frac = fp.cast(pl.String).str.zfill(4).str.strip_chars_end("0")
    s = pl.when(fp == 0).then(ip).otherwise(pl.concat_str(ip, pl.lit("."), frac))
    return pl.when(col < 0).then(pl.concat_str(pl.lit("-"), s)).otherwise(s)


def money_avg(total: int, count: int) -> int | None:
    """total / count rounded half-to-even to the unit (1/10000)."""
    if count == 0:
        return None
    q, r = divmod(total, count)  # floor division: 0 <= r < count
    if 2 * r > count or (2 * r == count and q % 2 == 1):
        q += 1
    return q


def ratio_str(num: int, den: int) -> str:
    if den == 0:
        return ""
    return repr(float(Fraction(num, den)))


def write_atomic(path: str, text: str) -> None:
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write_frame_atomic(path: str, df: pl.DataFrame) -> None:
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    os.close(fd)
    df.write_csv(tmp, line_terminator="\n", quote_style="necessary")
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------

def quintile(rank_min: pl.Expr, n: int) -> pl.Expr:
    """1 + floor(5 L / n), L = rank_min - 1 = number strictly less."""
    return (1 + (5 * (rank_min.cast(pl.Int64) - 1)) // n).cast(pl.Int64)


def segment_expr() -> pl.Expr:
    r, f = pl.col("r_score"), pl.col("f_score")
    expr = None
    for name, rs, fs in SEGMENT_TABLE:
        cond = r.is_in(list(rs)) & f.is_in(list(fs))
        expr = pl.when(cond).then(pl.lit(name)) if expr is None else expr.when(cond).then(pl.lit(name))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def month_index(day: pl.Expr) -> pl.Expr:
    return day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32) - 1


def month_label(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def analyze(path: str, out: str, as_of: dt.date | None, strict_fields: bool, quality: bool) -> None:
    header = read_header(path)
    records, reason = load_lines(path, header, strict_fields)

    groups = collect_groups(records, as_of)
    if quality:
        counts = records.select(reason.alias("reason")).group_by("reason").len()
        by_reason = dict(zip(*counts.collect().get_columns()))
        for i, name in enumerate(REASONS):
            print(f"invalid lines, {name}: {by_reason.get(i, 0)}", file=sys.stderr)
        print(f"valid lines: {by_reason.get(None, 0)}", file=sys.stderr)
    if groups.height == 0:
        die(f"{path}: no valid line remains")

    if as_of is None:
        as_of = groups["day"].max() + dt.timedelta(days=1)

    g = groups.lazy()
    guest_revenue = groups.filter(pl.col("cust") == "")["rev"].sum()

    orders = (
        g.filter(~pl.col("cancelled") & (pl.col("cust") != ""))
        .group_by("cust", "inv")
        .agg(pl.col("day").min())
    )
    order_stats = orders.group_by("cust").agg(
        pl.len().alias("frequency"),
        pl.col("day").min().alias("first_purchase"),
        pl.col("day").max().alias("last_purchase"),
    )
    money = (
        g.filter(pl.col("cust") != "")
        .group_by("cust")
        .agg(
            pl.col("rev").sum().alias("monetary"),
            # latest day; on a tie the alphabetically first country
            pl.col("country").sort_by(["day", "country"], descending=[False, True]).last().alias("country"),
        )
    )
    everyone = money.join(order_stats, on="cust", how="left")
    cohort_cells = (  # (cohort month, month) -> number of active customers
        orders.select("cust", month_index(pl.col("day")).alias("month"))
        .unique()
        .with_columns(pl.col("month").min().over("cust").alias("cohort"))
        .group_by("cohort", "month")
        .len()
    )
    everyone, cohort_cells = pl.collect_all([everyone, cohort_cells])

    excluded_revenue = everyone.filter(pl.col("frequency").is_null())["monetary"].sum()
    customers = everyone.filter(pl.col("frequency").is_not_null())
    n = customers.height

    if n > 0:
        customers = (
            customers.lazy()
            .with_columns(
                (pl.lit(as_of) - pl.col("last_purchase")).dt.total_days().alias("recency_days"),
                (pl.lit(as_of) - pl.col("first_purchase")).dt.total_days().alias("tenure_days"),
            )
            .with_columns(
                quintile(pl.col("recency_days").rank("min", descending=True), n).alias("r_score"),
                quintile(pl.col("frequency").rank("min"), n).alias("f_score"),
                quintile(pl.col("monetary").rank("min"), n).alias("m_score"),
                (pl.col("monetary").rank("min").cast(pl.Int64) - 1).alias("m_less"),
            )
            .with_columns(
                pl.concat_str(pl.col("r_score"), pl.col("f_score"), pl.col("m_score")).alias("rfm_score"),
                segment_expr().alias("segment"),
                pl.when(20 * pl.col("m_less") >= 19 * n).then(pl.lit("Platinum"))
                .when(5 * pl.col("m_less") >= 4 * n).then(pl.lit("Gold"))
                .when(2 * pl.col("m_less") >= n).then(pl.lit("Silver"))
                .otherwise(pl.lit("Bronze"))
                .alias("value_tier"),
            )
            .sort("cust")
            .collect()
        )
    else:
        customers = customers.with_columns(
            pl.lit(0, dtype=pl.Int64).alias(c) for c in ("recency_days", "r_score", "f_score", "m_score")
        ).with_columns(pl.lit("").alias(c) for c in ("rfm_score", "segment", "value_tier"))

    # ---- section 6: KPIs (exact integers) ----
    total_revenue = int(customers["monetary"].sum() or 0)
    orders_count = int(customers["frequency"].sum() or 0)
    repeat = customers.filter(pl.col("frequency") >= 2).height
    champions = customers.filter(pl.col("segment") == "Champions")
    champions_revenue = int(champions["monetary"].sum() or 0)

    # ---- section 7: concentration ----
    v = customers.select(pl.col("monetary").clip(lower_bound=0).sort(descending=True))["monetary"]
    total_v = int(v.sum() or 0)

    def top_share(num: int, den: int) -> str:
        count = -(-num * n // den)  # ceil(k * n) with k = num/den
        return ratio_str(int(v.head(count).sum() or 0), total_v)

    # Gini = (2 sum_i i v_(i)) / (n S) - (n + 1) / n, ascending v, i from 1
    if n and n * n * int(v.max() or 0) < 2**126:  # exact in Int128
        weighted = int(
            v.reverse().to_frame()
            .select((pl.col("monetary") * pl.int_range(1, n + 1, dtype=pl.Int128)).sum())
            .item()
        )
    else:  # Python ints (only for absurd amounts)
        weighted = sum(i * x for i, x in enumerate(v.reverse().to_list(), start=1))
    gini = "" if n == 0 or total_v == 0 else repr(float(Fraction(2 * weighted, n * total_v) - Fraction(n + 1, n)))

    summary = [
        ("total_customers", str(n)),
        ("total_revenue", money_str(total_revenue)),
        ("avg_revenue_per_customer", money_str(money_avg(total_revenue, n))),
        ("champions_count", str(champions.height)),
        ("champions_revenue_share_pct", ratio_str(100 * champions_revenue, total_revenue)),
        ("orders", str(orders_count)),
        ("average_order_value", money_str(money_avg(total_revenue, orders_count))),
        ("repeat_customer_rate", ratio_str(repeat, n)),
        ("guest_revenue", money_str(int(guest_revenue or 0))),
        ("excluded_customer_revenue", money_str(int(excluded_revenue or 0))),
        ("top_1_share", top_share(1, 100)),
        ("top_5_share", top_share(5, 100)),
        ("top_10_share", top_share(10, 100)),
        ("top_20_share", top_share(20, 100)),
        ("gini", gini),
    ]

    os.makedirs(out, exist_ok=True)
    write_atomic(
        os.path.join(out, "executive_metrics_summary.csv"),
        ",".join(k for k, _ in summary) + "\n" + ",".join(v for _, v in summary) + "\n",
    )
    write_frame_atomic(
        os.path.join(out, "customer_rfm_segments.csv"),
        customers.select(
            pl.col("cust").alias("customer_id"),
            "recency_days",
            "frequency",
            money_expr(pl.col("monetary")).alias("monetary"),
            "r_score",
            "f_score",
            "m_score",
            "rfm_score",
            "segment",
        ),
    )
    write_frame_atomic(
        os.path.join(out, "customer_value_tiers.csv"),
        customers.select(
            pl.col("cust").alias("customer_id"),
            money_expr(pl.col("monetary")).alias("monetary"),
            "value_tier",
        ),
    )

    # ---- section 8: monthly cohorts ----
    lines_out = []
    if n > 0:
        lm = customers["last_purchase"].max()
        last = lm.year * 12 + lm.month - 1
        cells = {(c, m): k for c, m, k in cohort_cells.iter_rows()}
        cohorts = sorted({c for c, _ in cells})
        width = last - cohorts[0] + 1
        lines_out.append(",".join(["cohort_month"] + [str(k) for k in range(width)]))
        for c in cohorts:
            row = [month_label(c)]
            for k in range(width):
                row.append(str(cells.get((c, c + k), 0)) if c + k <= last else "")
            lines_out.append(",".join(row))
    else:
        lines_out.append("cohort_month")
    write_atomic(os.path.join(out, "customer_cohort_retention.csv"), "\n".join(lines_out) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="Online Retail II CSV")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--as-of", help="as-of date YYYY-MM-DD (lines dated on or after it are ignored)")
    ap.add_argument("--strict-fields", action="store_true",
                    help="exact field-count check with Python's csv module (slow)")
    ap.add_argument("--quality", action="store_true", help="print invalid-line counts by reason to stderr")
    args = ap.parse_args()
    as_of = None
    if args.as_of:
        try:
            as_of = dt.date.fromisoformat(args.as_of)
        except ValueError:
            die(f"--as-of: not a YYYY-MM-DD date: {args.as_of!r}")
    start = time.perf_counter()
    try:
        analyze(args.input, args.out, as_of, args.strict_fields, args.quality)
    except pl.exceptions.PolarsError as e:  # e.g. unbalanced quotes: Polars gives up on the file
        die(f"{args.input}: {str(e).splitlines()[0]}")
    print(f"reference_polars: {time.perf_counter() - start:.3f} s (polars {pl.__version__}, "
          f"{pl.thread_pool_size()} threads)", file=sys.stderr)


if __name__ == "__main__":
    main()
