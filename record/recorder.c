/* record/recorder.c: the user-space recorder. */
#include "proctrace.skel.h"
