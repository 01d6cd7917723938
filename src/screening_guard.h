/*-------------------------------------------------------------------------
 *
 * screening_guard.h
 *	  Fail-closed screening and stale lists (screening_guard.c): the GUCs
 *	  fintech.screening_required and fintech.sanctions_max_age, and the
 *	  checks screen_name, create_party, rescreen_parties and the heartbeat
 *	  job make.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_SCREENING_GUARD_H
#define FINTECH_SCREENING_GUARD_H

/* defines the GUCs (called from PartiesInit) */
extern void ScreeningGuardInit(void);

/* 55000 while no sanctions list is loaded and fintech.screening_required is on */
extern void ft_screening_required_check(void);

/* 55000 naming the oldest list loaded longer than fintech.sanctions_max_age ago */
extern void ft_sanctions_staleness_check(void);

/*
 * true when the extension's SQL is 0.6.0's or later (parties.birth_date,
 * sanctions_entities.birth_dates): the library also runs against an
 * installed extension not yet updated (ALTER EXTENSION fintech UPDATE)
 */
extern bool ft_screening_v2_schema(void);

#endif							/* FINTECH_SCREENING_GUARD_H */
