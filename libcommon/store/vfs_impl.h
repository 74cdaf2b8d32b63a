/*
 * vfs_impl.h: what every backend's file struct starts with.  Private to the
 * vfs backends (store/vfs.c, store/vfs_mem.c, os/vfs_real.c).
 * Layer: store (may include base/, codec/, sm/ and store/).
 */
#ifndef FL_VFS_IMPL_H
#define FL_VFS_IMPL_H

struct fl_file {
	struct fl_vfs *vfs;
};

#endif
