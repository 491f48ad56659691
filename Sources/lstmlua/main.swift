// `lstmlua replay ...` and `lstmlua export ...` are the notebook commands; anything
// else is the lua-style command line (a script and its arguments are passed
// through untouched, so they cannot be subcommands of one parser).
import Bindings
import Foundation
import Tensors

StorageMemory.keepLargeBlocks()
if let problem = InstructionSet.problem {
    Console.error("lstmlua: \(problem)\n")
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "replay": ReplayCommand.main(Array(arguments.dropFirst()))
case "export": ExportCommand.main(Array(arguments.dropFirst()))
default: LstmLua.main()
}
