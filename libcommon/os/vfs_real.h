/*
 * vfs_real.h: the real-file backend of store/vfs.h (a static object; every
 * call goes to the kernel).  Layer: os.
 */
#ifndef FL_VFS_REAL_H
#define FL_VFS_REAL_H

#include "store/vfs.h"

struct fl_vfs *fl_vfs_real(void);

#endif
