/* A small explicit random generator: xoshiro256** seeded through splitmix64
 * (Blackman & Vigna, https://prng.di.unimi.it/). Every random choice in the
 * engine draws from one of these, never from rand(): same seed, same numbers.
 * A generator is a plain value; copy it to fork a stream. */
#ifndef RN_RNG_H
#define RN_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rn_rng;

/* Seeds g from one 64-bit seed (any value, 0 included). */
void rn_rng_seed(rn_rng *g, uint64_t seed);

/* The next 64 random bits. */
uint64_t rn_rng_next(rn_rng *g);

/* Uniform in [0, 1), 24 random bits (every value exactly representable). */
float rn_rng_uniform(rn_rng *g);

/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t rn_rng_below(rn_rng *g, uint64_t n);

/* Standard normal (Box-Muller, in double). */
float rn_rng_normal(rn_rng *g);

#endif
