/*
 * bcryptprimitives.dll for wine 8, which lacks it: the Go runtime (1.24 and
 * later) takes its random bytes from bcryptprimitives.dll!ProcessPrng and
 * stops with "bcryptprimitives.dll not found" without it. This shim fills
 * the buffer through advapi32's SystemFunction036 (RtlGenRandom), which wine
 * has. It is built with mingw-w64 at test time (e2e/harness/wine.go) into a
 * throwaway wine prefix; it is never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
