/* ProcessPrng for Wine 8, which lacks bcryptprimitives.dll (Windows 10 and later have it).
 * Rust's standard library imports it for random numbers; the release test puts this DLL beside
 * the windows_amd64 binary so Debian's Wine can start it. It forwards to RtlGenRandom. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
