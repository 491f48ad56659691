// Debian's Open MPI (libopenmpi-dev): torch.distributed's transport.
//
// MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE...) are macros over
// addresses of library globals, which Swift cannot import; these functions hand
// them over.
#include <mpi.h>

static inline MPI_Comm lm_comm_world(void) { return MPI_COMM_WORLD; }
static inline void *lm_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *lm_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *lm_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Request lm_request_null(void) { return MPI_REQUEST_NULL; }
static inline int lm_any_source(void) { return MPI_ANY_SOURCE; }

static inline MPI_Datatype lm_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype lm_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype lm_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype lm_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype lm_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Datatype lm_byte(void) { return MPI_BYTE; }

static inline MPI_Op lm_sum(void) { return MPI_SUM; }
static inline MPI_Op lm_max(void) { return MPI_MAX; }
static inline MPI_Op lm_min(void) { return MPI_MIN; }

static inline int lm_source(const MPI_Status *s) { return s->MPI_SOURCE; }
static inline MPI_Errhandler lm_errors_return(void) { return MPI_ERRORS_RETURN; }
