#include "mcburn.h"
