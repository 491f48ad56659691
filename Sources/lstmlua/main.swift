// The command line is LstmLua's (Sources/lstmlua/LstmLua.swift), subcommands included.
import Tensors

StorageMemory.keepLargeBlocks()
LstmLua.main()
