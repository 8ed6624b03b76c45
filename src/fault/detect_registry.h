/* detect_registry.h - the failure detectors' ops tables, declared for the registry. */
#ifndef FAULT_DETECT_REGISTRY_H
#define FAULT_DETECT_REGISTRY_H

#include "fault/detect.h"

extern const struct detect_ops detect_fixed_timeout;
extern const struct detect_ops detect_phi_accrual;

#endif
