"""Powers modulo 2**64 against Python's pow."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.text.polyhash import powers_mod64

MOD = 1 << 64


@settings(max_examples=60, deadline=None)
@given(base=st.integers(1, MOD - 1).map(lambda b: b | 1), n=st.integers(0, 20_000), start=st.integers(-3, 3))
def test_powers_equal_pow(base: int, n: int, start: int) -> None:
    got = powers_mod64(base, n, start)
    assert got.shape == (n,) and str(got.dtype) == "uint64"
    for k in {0, 1, n // 2, 4095, 4096, 4097, n - 1}:
        if 0 <= k < n:
            assert int(got[k]) == pow(base, start + k, MOD)


def test_power_tables_span_many_runs() -> None:
    base = 0x9E3779B97F4A7C15
    got = powers_mod64(base, 3 * 4096 + 7).tolist()
    value = 1
    for k, g in enumerate(got):
        assert g == value, k
        value = value * base % MOD
