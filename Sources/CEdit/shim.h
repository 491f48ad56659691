// Debian's libedit (libedit-dev), BSD-licensed line editing and history.
#include <stdio.h>
#include <histedit.h>
