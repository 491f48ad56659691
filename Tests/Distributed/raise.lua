-- A rank that raises an error ends the whole job (Tests/CLITests/DistributedTests.swift):
-- rank 1 fails while rank 0 waits in a barrier that rank 1 never reaches.
torch.distributed.init_process_group{backend = "mpi"}
if torch.distributed.get_rank() == 1 then
  error("rank one failed on purpose")
end
torch.distributed.barrier()
print("rank 0 passed the barrier")
