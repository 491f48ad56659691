// The command line is LstmLua's (Sources/lstmlua/LstmLua.swift), subcommands included.
import Bindings
import Foundation
import Tensors

StorageMemory.keepLargeBlocks()
if let problem = InstructionSet.problem {
    Console.error("lstmlua: \(problem)\n")
    exit(2)
}
LstmLua.mainWithScriptArguments()
