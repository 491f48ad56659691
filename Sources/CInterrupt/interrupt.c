#include "CInterrupt.h"

volatile sig_atomic_t lstm_interrupt_flag = 0;
