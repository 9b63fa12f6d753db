package dev.sift.engine.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.CompositeELResolver;

/**
 * Jinjava set up to render Hugging Face chat templates as transformers renders them, and to treat
 * them as the untrusted input they are (they come from model files).
 *
 * <p>Rendering fidelity comes in two layers: {@link JinjaSourceTranslator} and
 * {@link JinjaExpressionRewriter} rewrite each template once for what Jinjava reads differently
 * (whitespace control, string escapes, operator precedence, {@code [::-1]}), and the extensions
 * registered here fill the semantic gaps: Python {@code str} methods
 * ({@link PythonStringMethods}), the {@code tojson}, {@code items} and {@code trim} filters, the
 * {@code iterable} test, Jinja's {@code for} loop and the {@code raise_exception} and
 * {@code strftime_now} globals.
 *
 * <p>Safety: output and every string are capped at {@link #MAX_OUTPUT_CHARS}, collections and
 * {@code range} at 2^20 elements, macro recursion at 64 levels; each
 * render runs under a {@link RenderGuard} deadline; templates cannot include or import other
 * templates, and values are never rendered a second time as template code.
 */
final class TemplateEnvironment {

    /** The longest prompt, or string inside a render, a template may produce. */
    static final int MAX_OUTPUT_CHARS = 1 << 20;
    private static final int MAX_COLLECTION_SIZE = 1 << 20;
    private static final int MAX_MACRO_DEPTH = 64;

    private static final CompositeELResolver RESOLVER = new CompositeELResolver();

    static {
        // Python's string methods first; everything they do not answer goes to Jinjava's resolvers.
        RESOLVER.add(new PythonStringMethods(MAX_OUTPUT_CHARS));
        RESOLVER.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    }

    /**
     * The shared engine: it holds the registered extensions. Each render brings its own
     * configuration; the engine's own serves parsing only.
     */
    static final Jinjava JINJAVA = createJinjava();

    private TemplateEnvironment() {
    }

    private static Jinjava createJinjava() {
        Jinjava jinjava = new Jinjava(config(Clock.systemDefaultZone(), JinjavaProcessors.newBuilder().build()));
        Context globals = jinjava.getGlobalContext();
        globals.registerTag(new JinjaForTag());
        globals.registerFilter(new TojsonFilter());
        globals.registerFilter(new ItemsFilter());
        globals.registerFilter(new TrimFilter());
        globals.registerExpTest(new IterableTest());
        for (ELFunctionDefinition function : TemplateFunctions.DEFINITIONS) {
            globals.registerFunction(function);
            // In Jinja a global function is also a defined variable: Llama 3.2 checks
            // "strftime_now is defined" before calling it. Jinjava keeps functions apart from variables.
            globals.put(function.getLocalName(), function);
        }
        return jinjava;
    }

    /** The configuration of one render: its clock (for {@code strftime_now}) and its guard. */
    static JinjavaConfig renderConfig(Clock clock, RenderGuard guard) {
        return config(clock, JinjavaProcessors.newBuilder().withNodePreProcessor(guard).build());
    }

    private static JinjavaConfig config(Clock clock, JinjavaProcessors processors) {
        return JinjavaConfig.newBuilder()
                .withElResolver(RESOLVER)
                .withProcessors(processors)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                // Whitespace control was applied by JinjaSourceTranslator.
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withNestedInterpretationEnabled(false)
                .withDisabled(Map.of(Context.Library.TAG, Set.of("include", "import", "from", "extends")))
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(MAX_COLLECTION_SIZE)
                .withMaxMapSize(MAX_COLLECTION_SIZE)
                .withRangeLimit(MAX_COLLECTION_SIZE)
                .build();
    }
}
