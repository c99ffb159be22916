/* Tests of the engine core: tensors, parameters, arena, graph errors. */
#include "check.h"

#include "alloc.h"
#include "autograd.h"
#include "error.h"
#include "ops.h"
#include "tensor.h"

static void test_placeholder(void)
{
    CHECK(1);
}

int main(void)
{
    RUN(test_placeholder);
    return check_report();
}
