// Parses each Jenkinsfile with Groovy's own parser (to the CONVERSION phase: syntax only, no
// classpath needed) and checks the declarative pipeline structure Jenkins requires:
// exactly one top-level `pipeline { }` with `agent` and `stages { stage('name') { steps { } } }`.
// Prints one line per problem; exits 1 if any.
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.*

def problems = []

List<MethodCallExpression> calls(Statement block) {
    def stmts = block instanceof BlockStatement ? block.statements : [block]
    stmts.findAll { it instanceof ExpressionStatement && it.expression instanceof MethodCallExpression }
         .collect { it.expression as MethodCallExpression }
}

ClosureExpression closureArg(MethodCallExpression call) {
    def args = call.arguments instanceof ArgumentListExpression ? call.arguments.expressions : []
    args ? (args[-1] instanceof ClosureExpression ? args[-1] : null) : null
}

args.each { path ->
    def unit = new CompilationUnit()
    unit.addSource(new File(path))
    try {
        unit.compile(Phases.CONVERSION)
    } catch (CompilationFailedException e) {
        problems << "${path}: syntax: ${e.message.readLines().take(3).join(' ')}"
        return
    }
    def module = unit.AST.modules[0]
    def top = calls(module.statementBlock)
    def pipelines = top.findAll { it.methodAsString == 'pipeline' }
    if (pipelines.size() != 1 || top.size() != 1) {
        problems << "${path}: expected exactly one top-level pipeline { } block"
        return
    }
    def body = closureArg(pipelines[0])
    def sections = body ? calls(body.code) : []
    def names = sections*.methodAsString
    if (!names.contains('agent')) problems << "${path}: pipeline has no agent"
    def stages = sections.find { it.methodAsString == 'stages' }
    if (stages == null || closureArg(stages) == null) {
        problems << "${path}: pipeline has no stages { } block"
        return
    }
    def stageCalls = calls(closureArg(stages).code)
    if (stageCalls.isEmpty()) problems << "${path}: stages { } is empty"
    stageCalls.each { stage ->
        if (stage.methodAsString != 'stage') {
            problems << "${path}: stages { } may hold only stage('name') { }, found ${stage.methodAsString}"
            return
        }
        def stageBody = closureArg(stage)
        def inner = stageBody ? calls(stageBody.code)*.methodAsString : []
        if (!(inner.contains('steps') || inner.contains('stages') || inner.contains('parallel'))) {
            problems << "${path}: stage ${stage.arguments.text} has no steps { }"
        }
    }
    def allowed = ['agent', 'stages', 'environment', 'options', 'triggers', 'parameters', 'post', 'tools', 'libraries', 'when']
    sections.findAll { !(it.methodAsString in allowed) }.each {
        problems << "${path}: unknown pipeline section ${it.methodAsString}"
    }
}
problems.each { println it }
System.exit(problems ? 1 : 0)
