/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  One place that reserves and sets up fintech's structs in the main
 *	  shared memory (see shmem.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_SHMEM_H
#define FINTECH_SHMEM_H

/* sets up a struct the first time it is created (zeroed before the call) */
typedef void (*FtShmemInit) (void *ptr);

extern void ft_shmem_register(const char *name, Size size, bool lwlock,
							  void **ptr, FtShmemInit init);

#endif							/* FINTECH_SHMEM_H */
