// `lstmlua kernel -f CONNECTION_FILE`: a Jupyter kernel (messaging protocol 5.3).
// The sockets and who serves them:
//   shell    requests, one at a time, on the main thread (where Lua runs)
//   iopub    what the code prints, shows and returns (Publisher: any thread)
//   stdin    io.read's input_request, on the main thread while code runs
//   control  its own thread: shutdown and interrupt are answered while code runs
//   hb       its own thread: libzmq echoes each ping
// Interrupts come as SIGINT (kernel.json's interrupt_mode "signal") and stop the code
// as Ctrl-C does in the REPL; a message whose signature is wrong is logged and dropped.

import Bindings
import Foundation
import Jupyter
import LuaGlue
import Synchronization
import Tensors

#if canImport(Glibc)
import Glibc
#endif

// The control thread reads only the atomics, its socket, the publisher (locked), the
// session (immutable) and kernel_info (constant).
public final class KernelServer: @unchecked Sendable {
    let info: ConnectionInfo
    let session: Session
    let context: ZMQContext
    let shell: ZMQSocket, control: ZMQSocket, stdin: ZMQSocket, iopub: ZMQSocket, heartbeat: ZMQSocket
    let publisher: Publisher
    let log: KernelLog
    let streams: StreamForwarder
    let requests: KernelRequests
    /// Set by shutdown_request (on the control thread); the main loop ends when it sees it.
    let shutdown = Atomic<Bool>(false)
    /// Whether the main thread is running a request (control's shutdown interrupts it then).
    let busy = Atomic<Bool>(false)

    public init(connectionFile: String, version: String) throws {
        info = try ConnectionInfo.read(connectionFile)
        session = Session(key: info.key, scheme: info.scheme ?? .sha256)
        log = KernelLog(fd: dup(2))
        context = try ZMQContext()
        shell = try ZMQSocket(context, .router)
        control = try ZMQSocket(context, .router)
        stdin = try ZMQSocket(context, .router)
        iopub = try ZMQSocket(context, .pub)
        heartbeat = try ZMQSocket(context, .router)
        try shell.bind(info.endpoint(info.shellPort))
        try control.bind(info.endpoint(info.controlPort))
        try stdin.bind(info.endpoint(info.stdinPort))
        try iopub.bind(info.endpoint(info.iopubPort))
        try heartbeat.bind(info.endpoint(info.hbPort))
        publisher = Publisher(socket: iopub, session: session, log: log)
        // stdin is the frontend's input box; the terminal's would wait for ever
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, 0); close(null) }
        streams = try StreamForwarder(publisher: publisher)
        requests = KernelRequests(version: version, publisher: publisher, streams: streams, log: log)
        requests.input = { [stdin, session, log] (parent, prompt, password) throws(FrontendError) in
            try KernelServer.askInput(socket: stdin, session: session, log: log, parent: parent, prompt: prompt, password: password)
        }
    }

    /// Serves until a shutdown_request.
    public func run() {
        // Idle, an interrupt has nothing to stop; running code installs its own handler.
        signal(SIGINT, SIG_IGN)
        lg_interrupt_patient(1)
        startHeartbeat()
        streams.start()
        startControl()
        watchParent()
        publisher.status("starting", parent: nil)
        while !shutdown.load(ordering: .acquiring) {
            guard ZMQSocket.poll([shell], milliseconds: 100).contains(0) else { continue }
            guard let frames = try? shell.receive() else { continue }
            let message: Message
            do { message = try session.decode(frames) } catch {
                log.write("ignored \(error) on the shell channel")
                continue
            }
            busy.store(true, ordering: .releasing)
            serve(message, on: shell)
            busy.store(false, ordering: .releasing)
        }
        streams.forward()
    }

    /// A request: busy, the reply (and what it publishes), idle.
    func serve(_ message: Message, on socket: ZMQSocket) {
        publisher.setParent(message)
        publisher.status("busy", parent: message)
        let type = message.type
        var replyType = KernelServer.replyType(type)
        var content: [String: Any]
        switch type {
        case _ where message.unreadable != nil:
            log.write("\(type): \(message.unreadable ?? "")")
            content = ["status": "error", "ename": "BadRequest", "evalue": "\(type): \(message.unreadable ?? "")", "traceback": [String]()]
        case "kernel_info_request": content = requests.kernelInfo()
        case "execute_request": content = requests.execute(message)
        case "complete_request": content = requests.complete(message.content)
        case "inspect_request": content = requests.inspect(message.content)
        case "is_complete_request": content = requests.isComplete(message.content)
        case "history_request": content = requests.history(message.content)
        case "comm_info_request": content = ["status": "ok", "comms": [String: Any]()]
        case "shutdown_request": content = shutdownReply(message)
        default:
            log.write("no handler for \(type)")
            replyType = ""
            content = [:]
        }
        streams.forward()
        // Run All after a failing cell: what was queued behind it is not run (ipykernel's
        // stop_on_error). Taken off the socket before the reply goes out, so nothing sent
        // in answer to the reply is taken for queued.
        var queued: [Message] = []
        if type == "execute_request" && content["status"] as? String == "error" && message.unreadable == nil
            && (message.content["stop_on_error"] as? Bool ?? true) {
            while ZMQSocket.poll([shell], milliseconds: 0).contains(0), let frames = try? shell.receive() {
                if let next = try? session.decode(frames) { queued.append(next) }
            }
        }
        if !replyType.isEmpty {
            do { try socket.send(session.encode(session.reply(replyType, to: message, content: content,
                                                              metadata: ["status": content["status"] ?? "ok"]))) } catch {
                log.write("cannot reply to \(type): \(error)")
            }
        }
        publisher.status("idle", parent: message)
        for next in queued {
            guard next.type == "execute_request" else { serve(next, on: socket); continue }
            publisher.status("busy", parent: next)
            try? socket.send(session.encode(session.reply("execute_reply", to: next, content: ["status": "aborted"],
                                                          metadata: ["status": "aborted"])))
            publisher.status("idle", parent: next)
        }
    }

    static func replyType(_ type: String) -> String {
        type.hasSuffix("_request") ? String(type.dropLast("_request".count)) + "_reply" : type + "_reply"
    }

    /// A kernel whose frontend died goes too (ipykernel's parent poller): its parent
    /// changes when the frontend is killed, even with SIGKILL.
    func watchParent() {
        let parent = getppid()
        let thread = Thread { [log] in
            KernelThreads.blockInterrupts()
            while true {
                sleep(1)
                if getppid() != parent {
                    log.write("the frontend (process \(parent)) is gone: exiting")
                    _exit(0)
                }
            }
        }
        thread.name = "lstmlua-parent"
        thread.start()
    }

    func shutdownReply(_ message: Message) -> [String: Any] {
        shutdown.store(true, ordering: .releasing)
        return ["status": "ok", "restart": message.content["restart"] as? Bool ?? false]
    }

    func startHeartbeat() {
        let thread = Thread { [heartbeat] in
            KernelThreads.blockInterrupts()
            heartbeat.echoForever()
        }
        thread.name = "lstmlua-heartbeat"
        thread.start()
    }

    /// Control's requests are answered while the main thread runs code.
    func startControl() {
        let thread = Thread { [self] in
            KernelThreads.blockInterrupts()
            while true {
                guard let frames = try? control.receive() else { continue }
                let message: Message
                do { message = try session.decode(frames) } catch {
                    log.write("ignored \(error) on the control channel")
                    continue
                }
                publisher.status("busy", parent: message)
                let type = message.type
                var content: [String: Any] = ["status": "ok"]
                switch type {
                case "shutdown_request":
                    content = shutdownReply(message)
                    // running code stops as at an interrupt; the main loop then ends
                    if busy.load(ordering: .acquiring) { kill(getpid(), SIGINT) }
                case "interrupt_request":
                    kill(getpid(), SIGINT)
                case "kernel_info_request":
                    content = requests.kernelInfo()
                default:
                    content = ["status": "error", "ename": "UnknownRequest", "evalue": "\(type) is not served on control",
                               "traceback": [String]()]
                }
                let replyType = KernelServer.replyType(type)
                try? control.send(session.encode(session.reply(replyType, to: message, content: content)))
                publisher.status("idle", parent: message)
                if type == "shutdown_request" && busy.load(ordering: .acquiring) {
                    // code that ignores the interrupt (a long native call) gets 5 s
                    for _ in 0..<50 where busy.load(ordering: .acquiring) { usleep(100_000) }
                    if busy.load(ordering: .acquiring) { _exit(0) }
                }
            }
        }
        thread.name = "lstmlua-control"
        thread.start()
    }

    /// io.read in a cell: an input_request to the frontend that sent the execute_request,
    /// answered by its input_reply. Throws when an interrupt ends the wait.
    static func askInput(socket: ZMQSocket, session: Session, log: KernelLog, parent: Message,
                         prompt: String, password: Bool) throws(FrontendError) -> String {
        let request = session.reply("input_request", to: parent, content: ["prompt": prompt, "password": password])
        do { try socket.send(session.encode(request)) } catch { throw FrontendError("io.read: \(error)") }
        while true {
            if Interrupt.pending { throw FrontendError("interrupted!") }
            guard ZMQSocket.poll([socket], milliseconds: 100).contains(0), let frames = try? socket.receive() else { continue }
            do {
                let reply = try session.decode(frames)
                guard reply.type == "input_reply" else { continue }
                return reply.content["value"] as? String ?? ""
            } catch {
                log.write("ignored \(error) on the stdin channel")
            }
        }
    }
}
