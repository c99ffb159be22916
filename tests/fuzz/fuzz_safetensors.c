/* libFuzzer: model files (engine/models/io.c): the safetensors header, the
 * tensor table and the model config. A file that loads is also run on one
 * batch, so what loading accepted is also safe to use. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <math.h>
#include <string.h>

#include "error.h"
#include "models/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rn_model *m = rn_model_load(fuzz_file(0, data, size));
    if (m != NULL) {
        const rn_model_config *c = rn_model_config_of(m);
        rn_samples *b = rn_samples_new(2, c->n_fields, c->n_dense, c->seq_len, 1, 0);
        if (b != NULL) {
            float out[2];
            (void)rn_model_predict(m, b, 2, out); /* ids 0, zeros: always valid */
            rn_samples_free(b);
        }
        rn_model_free(m);
    }
    /* the config parser on its own, when the input looks like JSON */
    if (size > 0 && data[0] == '{') {
        char *s = malloc(size + 1);
        memcpy(s, data, size);
        s[size] = '\0';
        rn_model_config c;
        (void)rn_model_config_parse(s, &c);
        free(s);
    }
    return 0;
}
