/* restful_as.c - entry point of the restful-as service.  Placeholder until
 * the server module lands. */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "restful-as: not built yet\n");
    return 2;
}
