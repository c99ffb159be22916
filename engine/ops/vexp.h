/* A vectorisable expf for the elementwise kernels (dice, ...).
 *
 * Cephes' expf: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2,
 * exp(r) by its degree-6 polynomial, times 2^n built in the exponent bits.
 * Branch-free, so gcc vectorises a loop that calls it (the engine builds
 * with -fno-trapping-math so the clamps become min/max); libm's expf is a
 * call per element. Relative error below 1e-7 over [-87, 88] (measured
 * against exp in double on a 0.001 grid); x is clamped to that range, so
 * exp(-inf) is 1.6e-38 rather than 0 and exp(+inf) is 1.65e38; NaN gives NaN.
 * Reference: Cephes Math Library, expf.c (S. L. Moshier). */
#ifndef RN_OPS_VEXP_H
#define RN_OPS_VEXP_H

#include <stdint.h>

static inline float rn__vexpf(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* n = round(x log2 e): adding 1.5 * 2^23 rounds to an integer in the low mantissa bits */
    union {
        float f;
        int32_t i;
    } t = {x * 1.44269504088896341f + 12582912.0f};
    int32_t n = t.i - 0x4B400000;
    float fn = t.f - 12582912.0f;
    float r = x - fn * 0.693359375f - fn * -2.12194440e-4f; /* ln 2 in two parts */
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* 2^n in the exponent bits, shifted as unsigned: a NaN x makes n huge (the
     * result is NaN through p either way), and a signed shift would overflow */
    union {
        uint32_t i;
        float f;
    } scale = {(uint32_t)(n + 127) << 23};
    return p * scale.f;
}

#endif
