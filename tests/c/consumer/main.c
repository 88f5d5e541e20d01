/* Links against the installed radscore and checks the ABI version. */
#include <radscore.h>
#include <stdio.h>

int main(void) {
    printf("radscore %s (ABI %u)\n", radscore_version(), radscore_abi_version());
    return radscore_abi_version() == RADSCORE_ABI_VERSION ? 0 : 1;
}
