/* tests/e2e/helpers/ids.c: print this process's ids as it sees them: "pid=N ppid=N pgid=N". */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("pid=%d ppid=%d pgid=%d\n", (int)getpid(), (int)getppid(), (int)getpgrp());
	return 0;
}
